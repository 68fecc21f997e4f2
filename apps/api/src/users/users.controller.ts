import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { AuthService, CurrentUser, RecentAuth, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { UsersService } from '@mend/identity';

import { ChangePasswordRequest } from '../auth/auth.request.js';
import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import {
  CreatedUserResponse,
  InvitedUserResponse,
  MeResponse,
  UserPageResponse,
  UserResponse,
} from './user.response.js';
import { InviteUserRequest, ListUsersQuery, UpdateMeRequest, UpdateUserRequest } from './users.request.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Get('me')
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'The signed-in user and their clinic' })
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentUser() principal: UserPrincipal) {
    return this.users.me(principal);
  }

  @Patch('me')
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Update your name, time zone (IANA), locale or quiet hours' })
  @ApiOkResponse({ type: UserResponse })
  updateMe(@CurrentUser() principal: UserPrincipal, @Body() body: UpdateMeRequest) {
    return this.users.updateMe(principal, body);
  }

  @Post('me/password')
  @HttpCode(204)
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({
    summary: 'Change your password (with the current one); your other sign-ins end, this one stays',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'The current password is wrong, or the new one is too easy to guess' })
  changePassword(@CurrentUser() principal: UserPrincipal, @Body() body: ChangePasswordRequest) {
    return this.auth.changePassword(principal, body);
  }

  @Post('users')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Invite a staff member (admin or therapist): a single-use invitation link valid for 7 days goes to their email (answered here in development only)',
  })
  @ApiIdempotentCreated(CreatedUserResponse)
  async invite(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: InviteUserRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.users.invite(principal, body, idempotencyKey));
  }

  @Get('users')
  @Roles('admin')
  @ApiOperation({ summary: "List the clinic's users (filter by role), cursor-paginated" })
  @ApiOkResponse({ type: UserPageResponse })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: ListUsersQuery) {
    return this.users.list(principal, query);
  }

  @Get('users/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'One user of the clinic' })
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse({ description: 'No such user in your clinic' })
  get(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('User')) id: string) {
    return this.users.get(principal, id);
  }

  @Patch('users/:id')
  @Roles('admin')
  @RecentAuth()
  @ApiOperation({ summary: 'Disable or enable a user, or change a staff role' })
  @ApiConflictResponse({ description: 'Admins cannot disable themselves or remove their own admin role' })
  @ApiOkResponse({ type: UserResponse })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('User')) id: string,
    @Body() body: UpdateUserRequest,
  ) {
    return this.users.update(principal, id, body);
  }

  @Post('users/:id/invitations')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'Issue a fresh invitation link for a user who has not accepted yet (earlier links stop working)',
  })
  @ApiCreatedResponse({ type: InvitedUserResponse })
  @ApiConflictResponse({ description: 'The user has already accepted an invitation' })
  reinvite(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('User')) id: string) {
    return this.users.reissueInvitation(principal, id);
  }
}
